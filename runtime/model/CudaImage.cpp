// Choosing a module's device image for a compute capability (aotc_model.h).
// Pure logic, built with or without the CUDA toolkit, and unit-tested.
#include "aotc_model.h"

namespace aotc_model {

int cuda_select_image(const CudaImage* images, size_t num_images, int32_t cc) {
  int best_ptx = -1;
  for (size_t i = 0; i < num_images; ++i) {
    const CudaImage& im = images[i];
    if (im.kind == CudaImageKind::kCubin && im.arch == cc) return static_cast<int>(i);
    if (im.kind == CudaImageKind::kPtx && im.arch <= cc &&
        (best_ptx < 0 || im.arch > images[best_ptx].arch)) {
      best_ptx = static_cast<int>(i);
    }
  }
  return best_ptx;
}

}  // namespace aotc_model
