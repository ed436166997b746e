// aotc_cuda_kernel_check: runs aotc's CUDA kernel templates on a GPU and
// checks and times them.
//
// It NVRTC-compiles every unit of KernelSources for the device's arch (in
// parallel), loads the cubins through the driver API (libcuda.so.1, opened at
// run time), and for each case: fills inputs with fresh random values, poisons
// the output with NaN bytes, launches once, compares against a float64 CPU
// reference (relative error ||out - ref|| / ||ref|| over every element, or
// over a random sample for the biggest shapes; any NaN anywhere fails), then
// times it (warm-up, a CUDA graph of back-to-back launches, median of 15
// replays) and prints one table row: kernel, shape, dtype, error, time,
// throughput.
//
//   aotc_cuda_kernel_check [--quick] [--filter SUBSTR] [--csv FILE] [--no-time]
//                          [--dump-cubins DIR]
//
// Exit codes: 0 all cases passed, 1 a case failed or an error occurred,
// 77 no CUDA driver or GPU (skipped).
#include <cuda.h>

#include <cstdio>
#include <exception>
#include <string>

#include "CheckSupport.h"
#include "NvrtcCompile.h"

namespace aotc::cuda_test {
namespace {

void run_all(Context& c) {
  run_gemm_cases(c);
  run_attention_cases(c);
  run_rowwise_cases(c);
  run_conv_cases(c);
  run_winograd_cases(c);
}

int run_main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick")
      opt.quick = true;
    else if (a == "--no-time")
      opt.time = false;
    else if (a == "--filter" && i + 1 < argc)
      opt.filter = argv[++i];
    else if (a == "--csv" && i + 1 < argc)
      opt.csv = argv[++i];
    else if (a == "--dump-cubins" && i + 1 < argc)
      opt.cubin_dir = argv[++i];
    else {
      std::fprintf(
          stderr,
          "usage: %s [--quick] [--no-time] [--filter SUBSTR] [--csv FILE] [--dump-cubins DIR]\n",
          argv[0]);
      return 2;
    }
  }

  std::string why;
  if (!drv.load(why)) {
    std::printf("SKIPPED: no CUDA driver: %s\n", why.c_str());
    return 77;
  }
  if (drv.cuInit(0) != CUDA_SUCCESS) {
    std::printf("SKIPPED: cuInit failed (no GPU or driver not usable)\n");
    return 77;
  }
  int count = 0;
  if (drv.cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
    std::printf("SKIPPED: no CUDA device\n");
    return 77;
  }
  CUdevice dev;
  AOTC_CU(drv.cuDeviceGet(&dev, 0));
  char name[256] = {0};
  AOTC_CU(drv.cuDeviceGetName(name, sizeof name, dev));
  int major = 0, minor = 0, sms = 0, smem_optin = 0, driver = 0;
  AOTC_CU(drv.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
  AOTC_CU(drv.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
  AOTC_CU(drv.cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
  AOTC_CU(drv.cuDeviceGetAttribute(&smem_optin,
                                   CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev));
  AOTC_CU(drv.cuDriverGetVersion(&driver));
  if (major < 8) {
    std::printf("SKIPPED: %s is sm_%d%d; the templates need sm_80 or newer\n", name, major, minor);
    return 77;
  }
  const std::string arch = "sm_" + std::to_string(major * 10 + minor);
  std::printf("device %s (%s, %d SMs, %d KiB smem/block opt-in), driver %d.%d, NVRTC %s\n", name,
              arch.c_str(), sms, smem_optin / 1024, driver / 1000, (driver % 1000) / 10,
              nvrtc_version().c_str());

  CUcontext ctx;
  AOTC_CU(drv.cuDevicePrimaryCtxRetain(&ctx, dev));
  AOTC_CU(drv.cuCtxSetCurrent(ctx));
  int failures = 0;
  {
    Context c;
    c.opt = opt;
    c.sms = sms;
    AOTC_CU(drv.cuStreamCreate(&c.stream, CU_STREAM_NON_BLOCKING));
    c.lib.build(arch, smem_optin);
    c.lib.print_compile_report(arch);
    if (!c.opt.cubin_dir.empty()) c.lib.dump_cubins(c.opt.cubin_dir);
    failures += static_cast<int>(c.lib.failed_units().size());

    std::printf("\n%-4s %-11s %-22s %-29s %-26s %-5s %10s %8s %9s %s\n", "", "family", "case",
                "kernel", "shape", "dtype", "rel.err", "", "us", "throughput");
    try {
      run_all(c);
    } catch (const std::exception& e) {
      std::printf("ERROR: %s\n", e.what());
      ++failures;
    }
    for (const Row& r : c.rows) failures += r.pass ? 0 : 1;

    if (!c.opt.csv.empty()) {
      if (FILE* f = std::fopen(c.opt.csv.c_str(), "w")) {
        std::fprintf(f, "family,case,kernel,shape,dtype,rel_err,tol,pass,sampled,us,rate,unit\n");
        for (const Row& r : c.rows)
          std::fprintf(f, "%s,%s,%s,%s,%s,%.3e,%.0e,%d,%d,%.3f,%.3f,%s\n", r.family.c_str(),
                       r.label.c_str(), r.kernel.c_str(), r.shape.c_str(), r.dtype.c_str(), r.err,
                       r.tol, r.pass ? 1 : 0, r.sampled ? 1 : 0, r.us, r.rate, r.rate_unit.c_str());
        std::fclose(f);
      }
    }
    std::printf(
        "\n%zu cases, %d failed (error columns: * = sampled reference; tolerances f32 1e-5, tf32 "
        "1e-3, "
        "16-bit 1e-2)\n",
        c.rows.size(), failures);
    AOTC_CU(drv.cuStreamDestroy(c.stream));
  }
  drv.cuDevicePrimaryCtxRelease(dev);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace aotc::cuda_test

int main(int argc, char** argv) {
  try {
    return aotc::cuda_test::run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aotc_cuda_kernel_check: %s\n", e.what());
    return 1;
  }
}
