#include <cstdio>

int main(int argc, char** argv) {
  std::fprintf(stderr, "coreinfer: not built yet\n");
  return 1;
}
