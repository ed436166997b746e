// Mapping a weights file; see MappedWeights.h.
#include "MappedWeights.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "Errors.h"

namespace aotc_model::rt {

MappedWeights::MappedWeights(const std::string& path, uint64_t expected_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open the model's weights " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    fail("cannot stat the model's weights " + path + ": " + std::strerror(err));
  }
  if (static_cast<uint64_t>(st.st_size) != expected_size) {
    ::close(fd);
    fail("the model's weights " + path + " are " + std::to_string(st.st_size) +
         " bytes, but the model expects " + std::to_string(expected_size) +
         " (the package is damaged, or mixes files of two compiles)");
  }
  if (expected_size > 0) {
    void* p = ::mmap(nullptr, expected_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      fail("cannot map the model's weights " + path + ": " + std::strerror(err));
    }
    data_ = p;
  }
  ::close(fd);
  size_ = expected_size;
}

MappedWeights::~MappedWeights() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace aotc_model::rt
