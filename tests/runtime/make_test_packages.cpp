// aotc_test_packages OUTDIR: writes the test models as packages, for runs on
// other machines (the GPU checks in gpu/, PyTorch's loaders):
//   OUTDIR/affine.pt2    model "model" (affine, cpu) and model "pair" (cpu)
//   OUTDIR/affine_only.pt2  model "model" (affine, cpu)
//   OUTDIR/cuda_add.pt2  model "model" (cuda_add, cuda)
#include <cstdio>
#include <filesystem>

#include "TestModels.h"

namespace {

int write(const std::filesystem::path& path, std::vector<aotc::codegen::PackageModel> models) {
  aotc::codegen::PackageContents c;
  c.models = std::move(models);
  const aotc::Status s = aotc::codegen::write_package(path, c);
  if (!s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  std::printf("wrote %s\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    int rc = write(dir / "affine.pt2", {aotc::test::affine_model(), aotc::test::pair_model()});
    rc |= write(dir / "affine_only.pt2", {aotc::test::affine_model()});
    rc |= write(dir / "cuda_add.pt2", {aotc::test::cuda_add_model()});
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
