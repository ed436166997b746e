// Reading exported programs for check and inspect (see ProgramInfo.h).
#include "ProgramInfo.h"

#include "frontend/Archive.h"
#include "support/Files.h"

namespace aotc::cli {

Expected<ProgramSource> read_program_source(const std::string& input, const std::string& weights,
                                            const std::string& model_name) {
  ProgramSource src;
  src.path = input;
  AOTC_ASSIGN_OR_RETURN(std::string head, read_file_prefix(input, 4));
  bool archive = head.size() >= 2 && head[0] == 'P' && head[1] == 'K';
  if (archive || !weights.empty()) {
    std::optional<std::filesystem::path> w;
    if (!weights.empty()) w = weights;
    AOTC_ASSIGN_OR_RETURN(LoadedProgram p, load_program(input, w, model_name));
    src.program = p.program;
    src.loaded = std::move(p);
    return src;
  }
  AOTC_ASSIGN_OR_RETURN(std::string text, read_file(input));
  AOTC_ASSIGN_OR_RETURN(src.program, parse_exported_program(text, input));
  return src;
}

bool is_aotc_package(const std::filesystem::path& path) {
  auto zip = ZipArchive::open(path);
  if (!zip) return false;
  for (const auto& e : zip->entries())
    if (e.ends_with("/extra/aotc_manifest.json")) return true;
  return false;
}

}  // namespace aotc::cli
