// A shared library that is not an aotc model library, and that the dynamic
// linker can never unload: like most C++ libraries not linked as model
// libraries are, it has an STB_GNU_UNIQUE symbol (the static local of an
// exported inline function). Loading it as a model must fail, and must not
// shadow the next library the runtime loads under the same /proc/self/fd name.
#include <string>

inline std::string& unique_name() {
  static std::string name = "not a model";
  return name;
}

extern "C" __attribute__((visibility("default"))) const char* not_a_model() {
  return unique_name().c_str();
}
