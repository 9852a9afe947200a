#include "cli/graph_image.h"

#include "formats/image/image.h"
#include "formats/image/preprocess.h"

namespace coreinfer::cli {

Result<NamedTensor> image_input(const GraphRunOptions& o, const Session& session) {
  const ValueInfo* target = nullptr;
  for (const ValueInfo& vi : session.inputs())
    if (vi.type == ElemType::kFloat || vi.type == ElemType::kUndefined) {
      if (target != nullptr) return invalid_argument("--image: the model has several float inputs; use --input");
      target = &vi;
    }
  if (target == nullptr) return invalid_argument("--image: the model has no float input to take an image");
  CI_ASSIGN_OR_RETURN(Image image, decode_image_file(o.image));

  PreprocessOptions p;
  p.resize = o.resize > 0 ? ResizeMode::kShorterSide : ResizeMode::kNone;
  p.resize_shorter = o.resize;
  p.crop = o.crop;
  p.scale = o.scale;
  p.nchw = o.layout == "nchw";
  const Shape& s = target->shape;
  if (target->has_shape && s.size() == 4) {
    if (s[1] != 3 && s[3] == 3) p.nchw = false;  // NHWC model
    const int64_t channels = p.nchw ? s[1] : s[3];
    if (channels == 1) p.color = ColorMode::kGrey;
  }
  for (int c = 0; c < 3; ++c) {
    p.mean[c] = o.mean.empty() ? 0.0 : o.mean[std::min<size_t>(c, o.mean.size() - 1)];
    p.std[c] = o.std.empty() ? 1.0 : o.std[std::min<size_t>(c, o.std.size() - 1)];
  }
  CI_ASSIGN_OR_RETURN(Tensor t, preprocess_image(image, p));
  return NamedTensor{target->name, std::move(t)};
}

}  // namespace coreinfer::cli
