// safetensors files (the format published weights use): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the
// tensor bytes. The reader treats every file as untrusted; the writer never leaves a half file.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace diffprompt::safetensors {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;
using Metadata = std::map<std::string, std::string>;

struct File {
  NamedTensors tensors;  // in file order, contiguous CPU tensors
  Metadata metadata;
};

/** Reads a whole file. A truncated, oversized-header or lying file throws ERR_CHECKPOINT
 * before any allocation larger than the file itself. */
File read(const std::string& path);

/** Writes `tensors` (moved to CPU, made contiguous) to a temporary file beside `path`, fsyncs
 * it and renames it over `path`: a crash leaves the old file or the new one, never a mix. */
void write(const std::string& path, const NamedTensors& tensors, const Metadata& metadata);

/** sha256 (hex) of `tensors` alone, as lib/io/weights-digest.ts computes it from the file write()
 * makes of them: the JSON list [[name, dtype, shape], ...] in name order, then each tensor's bytes
 * in that order. Neither the metadata nor the order the tensors come in changes it. */
std::string tensorsDigest(const NamedTensors& tensors);

/** Writes the concatenated `parts` to `path` the same atomic way (JSON files use it too). */
void writeFileAtomically(const std::string& path, const std::vector<std::string_view>& parts);

}  // namespace diffprompt::safetensors
