// Choosing a module's device image for a GPU (aotc_model.h): the exact cubin,
// else the newest PTX not newer than the device, else none.
#include <catch2/catch.hpp>

#include "aotc_model.h"

using aotc_model::CudaImage;
using aotc_model::CudaImageKind;

TEST_CASE("cuda_select_image picks the exact cubin, else the best PTX") {
  const char bytes[] = "x";
  const CudaImage images[] = {
      {80, CudaImageKind::kCubin, bytes, 1},  // 0
      {90, CudaImageKind::kCubin, bytes, 1},  // 1
      {70, CudaImageKind::kPtx, bytes, 1},    // 2
      {86, CudaImageKind::kPtx, bytes, 1},    // 3
  };
  CHECK(aotc_model::cuda_select_image(images, 4, 90) == 1);  // exact cubin
  CHECK(aotc_model::cuda_select_image(images, 4, 80) == 0);
  CHECK(aotc_model::cuda_select_image(images, 4, 89) ==
        3);  // no sm_89 cubin: PTX 86 (the newest <= 89)
  CHECK(aotc_model::cuda_select_image(images, 4, 86) == 3);   // PTX 86 equals the device
  CHECK(aotc_model::cuda_select_image(images, 4, 120) == 3);  // newer GPU: JIT from the newest PTX
  CHECK(aotc_model::cuda_select_image(images, 4, 75) == 2);   // cubins do not run on another sm
  CHECK(aotc_model::cuda_select_image(images, 4, 61) == -1);  // nothing old enough
  CHECK(aotc_model::cuda_select_image(images, 2, 86) == -1);  // cubins only, no match
  CHECK(aotc_model::cuda_select_image(nullptr, 0, 90) == -1);
}
