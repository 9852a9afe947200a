// A small metrics registry with the Prometheus text exposition format (version 0.0.4):
// counters, gauges and histograms with labels. Families are declared once with their help
// text; series appear when first touched. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace coreinfer::server {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  void declare(const std::string& name, Type type, const std::string& help, std::vector<double> buckets = {});
  void add(const std::string& name, const Labels& labels, double value = 1.0);  // counter
  void set(const std::string& name, const Labels& labels, double value);        // gauge (or a counter read elsewhere)
  void observe(const std::string& name, const Labels& labels, double value);    // histogram

  // Called at each scrape before rendering, to set gauges read from elsewhere.
  void add_collector(std::function<void(MetricsRegistry&)> collect);

  std::string render();

 private:
  struct Series {
    double value = 0;                // counter, gauge
    std::vector<uint64_t> counts;    // histogram: per bucket (not cumulative)
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, Series> series;  // rendered label set -> series
  };
  Series& series(const std::string& name, const Labels& labels);

  std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void(MetricsRegistry&)>> collectors_;
};

// Latency buckets in seconds, from 1 ms to 60 s.
std::vector<double> latency_buckets();

}  // namespace coreinfer::server
