#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <set>

#include "core/error.h"
#include "io/json.h"
#include "io/sha256.h"

namespace diffprompt::safetensors {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // as the reference implementation
constexpr int64_t kMaxDimension = int64_t(1) << 40;

struct DtypeCode {
  const char* name;
  at::ScalarType type;
};

constexpr DtypeCode kDtypes[] = {
    {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf},  {"BF16", at::kBFloat16},
    {"I64", at::kLong},   {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},
    {"U8", at::kByte},    {"BOOL", at::kBool},
};

[[noreturn]] void corrupt(const std::string& path, const std::string& why) {
  fail(ErrorCode::Checkpoint, path + " is not a valid safetensors file: " + why +
                                  ". Restore it from a backup or save the model again.");
}

at::ScalarType dtypeFromName(const std::string& path, const std::string& tensor, const std::string& name) {
  for (const auto& code : kDtypes) {
    if (name == code.name) return code.type;
  }
  corrupt(path, "tensor \"" + tensor + "\" has unsupported dtype \"" + name + "\"");
}

const char* dtypeName(at::ScalarType type) {
  for (const auto& code : kDtypes) {
    if (type == code.type) return code.name;
  }
  fail(ErrorCode::Dtype, std::string("cannot store dtype ") + c10::toString(type) + " in safetensors");
}

uint64_t nonNegativeInteger(const std::string& path, const std::string& tensor, const json::Value& value,
                            const char* field, uint64_t limit) {
  if (!value.isNumber()) corrupt(path, "tensor \"" + tensor + "\": " + field + " must hold integers");
  const double number = value.number();
  if (number < 0 || number > static_cast<double>(limit) || number != std::floor(number)) {
    const bool integral = std::abs(number) < 9e15 && number == static_cast<double>(static_cast<int64_t>(number));
    const std::string shown = integral ? std::to_string(static_cast<int64_t>(number)) : std::to_string(number);
    corrupt(path, "tensor \"" + tensor + "\": " + field + " holds " + shown +
                      ", not an integer in [0, " + std::to_string(limit) + "]");
  }
  return static_cast<uint64_t>(number);
}

struct Entry {
  std::string name;
  at::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

Entry parseEntry(const std::string& path, const std::string& name, const json::Value& value, uint64_t dataBytes) {
  if (!value.isObject()) corrupt(path, "tensor \"" + name + "\" is not a JSON object");
  const json::Value* dtype = nullptr;
  const json::Value* shape = nullptr;
  const json::Value* offsets = nullptr;
  for (const auto& [key, field] : value.object()) {
    if (key == "dtype") dtype = &field;
    else if (key == "shape") shape = &field;
    else if (key == "data_offsets") offsets = &field;
    else corrupt(path, "tensor \"" + name + "\" has an unknown field \"" + key + "\"");
  }
  if (!dtype || !dtype->isString() || !shape || !shape->isArray() || !offsets || !offsets->isArray()) {
    corrupt(path, "tensor \"" + name + "\" needs a string dtype, a shape array and a data_offsets array");
  }
  Entry entry{name, dtypeFromName(path, name, dtype->string()), {}, 0, 0};
  if (shape->array().size() > 16) corrupt(path, "tensor \"" + name + "\" has more than 16 dimensions");
  for (const auto& dim : shape->array()) {
    entry.shape.push_back(static_cast<int64_t>(nonNegativeInteger(path, name, dim, "shape", kMaxDimension)));
  }
  // Bytes the shape needs, without overflow: an empty dimension means no bytes at all.
  uint64_t bytes = c10::elementSize(entry.dtype);
  const bool empty = std::find(entry.shape.begin(), entry.shape.end(), 0) != entry.shape.end();
  for (const int64_t size : entry.shape) {
    if (empty) break;
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(size), &bytes) || bytes > dataBytes) {
      corrupt(path, "tensor \"" + name + "\" is larger than the file");
    }
  }
  if (empty) bytes = 0;
  if (offsets->array().size() != 2) corrupt(path, "tensor \"" + name + "\": data_offsets must be [begin, end]");
  entry.begin = nonNegativeInteger(path, name, offsets->array()[0], "data_offsets", dataBytes);
  entry.end = nonNegativeInteger(path, name, offsets->array()[1], "data_offsets", dataBytes);
  if (entry.end < entry.begin || entry.end - entry.begin != bytes) {
    corrupt(path, "tensor \"" + name + "\": data_offsets [" + std::to_string(entry.begin) + ", " +
                      std::to_string(entry.end) + "] do not hold the " + std::to_string(bytes) + " bytes its shape needs");
  }
  return entry;
}

void writeAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(ErrorCode::Checkpoint, "cannot write " + path + ": " + std::strerror(errno));
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
}

std::string parentDirectory(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

File read(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) fail(ErrorCode::Checkpoint, "cannot open " + path + ": " + std::strerror(errno) + " (check the path)");
  if (!S_ISREG(info.st_mode)) fail(ErrorCode::Checkpoint, path + " is not a file (a folder? pass the .safetensors file inside it)");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::Checkpoint, "cannot open " + path + ": " + std::strerror(errno) + " (check the path)");
  in.seekg(0, std::ios::end);
  const uint64_t fileBytes = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  if (fileBytes < 8) corrupt(path, "shorter than its 8-byte header length");
  unsigned char lengthBytes[8];
  in.read(reinterpret_cast<char*>(lengthBytes), 8);
  if (in.gcount() != 8) corrupt(path, "cannot read its 8-byte header length");
  uint64_t headerBytes = 0;
  for (int i = 7; i >= 0; --i) headerBytes = (headerBytes << 8) | lengthBytes[i];
  if (headerBytes > kMaxHeaderBytes) corrupt(path, "header length " + std::to_string(headerBytes) + " exceeds 100 MB");
  if (headerBytes > fileBytes - 8) corrupt(path, "header length " + std::to_string(headerBytes) + " runs past the end of the file (truncated?)");
  std::string header(headerBytes, '\0');
  in.read(header.data(), static_cast<std::streamsize>(headerBytes));
  if (!in) corrupt(path, "cannot read the header");
  const uint64_t dataBytes = fileBytes - 8 - headerBytes;

  const json::Value root = json::parse(header, path);
  if (!root.isObject()) corrupt(path, "the header is not a JSON object");
  File file;
  std::vector<Entry> entries;
  for (const auto& [name, value] : root.object()) {
    if (name == "__metadata__") {
      if (!value.isObject()) corrupt(path, "__metadata__ is not an object");
      for (const auto& [key, text] : value.object()) {
        if (!text.isString()) corrupt(path, "__metadata__ value \"" + key + "\" is not a string");
        file.metadata[key] = text.string();
      }
      continue;
    }
    entries.push_back(parseEntry(path, name, value, dataBytes));
  }
  // The byte buffer must be covered exactly, without overlaps or holes (the format's rule).
  std::vector<const Entry*> byOffset;
  for (const auto& entry : entries) byOffset.push_back(&entry);
  std::sort(byOffset.begin(), byOffset.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t cursor = 0;
  for (const Entry* entry : byOffset) {
    if (entry->begin != cursor) corrupt(path, "tensor \"" + entry->name + "\" overlaps another or leaves a hole in the data");
    cursor = entry->end;
  }
  if (cursor != dataBytes) corrupt(path, "the data section holds " + std::to_string(dataBytes) + " bytes but the header describes " + std::to_string(cursor));

  for (const auto& entry : entries) {
    at::Tensor tensor;
    try {
      tensor = at::empty(entry.shape, at::TensorOptions().dtype(entry.dtype));
    } catch (const std::exception& error) {
      corrupt(path, "cannot allocate tensor \"" + entry.name + "\" (" + error.what() + ")");
    }
    in.seekg(static_cast<std::streamoff>(8 + headerBytes + entry.begin));
    if (entry.end > entry.begin) in.read(static_cast<char*>(tensor.data_ptr()), static_cast<std::streamsize>(entry.end - entry.begin));
    if (!in) corrupt(path, "cannot read the bytes of tensor \"" + entry.name + "\"");
    file.tensors.emplace_back(entry.name, std::move(tensor));
  }
  return file;
}

void writeFileAtomically(const std::string& path, const std::vector<std::string_view>& parts) {
  std::random_device entropy;
  const std::string temporary = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(entropy());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(ErrorCode::Checkpoint, "cannot create " + temporary + ": " + std::strerror(errno) + " (does the folder exist and is it writable?)");
  try {
    for (const auto& part : parts) writeAll(fd, part.data(), part.size(), temporary);
    if (::fsync(fd) != 0) fail(ErrorCode::Checkpoint, "cannot flush " + temporary + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    fail(ErrorCode::Checkpoint, "cannot move " + temporary + " to " + path + ": " + why);
  }
  // Make the rename itself durable.
  const int dir = ::open(parentDirectory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  std::set<std::string> names;
  std::vector<at::Tensor> contiguous;
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      header += (first ? "" : ",") + json::quote(key) + ":" + json::quote(value);
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__" || !names.insert(name).second) {
      fail(ErrorCode::Checkpoint, "tensor name \"" + name + "\" is empty, reserved or repeated");
    }
    at::Tensor cpu = tensor.detach().to(at::kCPU).contiguous();
    const uint64_t bytes = cpu.numel() * cpu.element_size();
    header += (header.size() > 1 ? "," : "") + json::quote(name) + ":{\"dtype\":\"" + dtypeName(cpu.scalar_type()) + "\",\"shape\":[";
    for (int64_t d = 0; d < cpu.dim(); ++d) header += (d ? "," : "") + std::to_string(cpu.size(d));
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
    contiguous.push_back(std::move(cpu));
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // aligns the data section to 8 bytes

  std::string length(8, '\0');
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xFF);
  std::vector<std::string_view> parts{length, header};
  for (const auto& tensor : contiguous) {
    if (tensor.numel() > 0) parts.emplace_back(static_cast<const char*>(tensor.data_ptr()), tensor.numel() * tensor.element_size());
  }
  writeFileAtomically(path, parts);
}

std::string tensorsDigest(const NamedTensors& tensors) {
  std::vector<const std::pair<std::string, at::Tensor>*> sorted;
  for (const auto& entry : tensors) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::vector<at::Tensor> contiguous;
  std::string list = "[";
  for (const auto* entry : sorted) {
    at::Tensor cpu = entry->second.detach().to(at::kCPU).contiguous();
    list += (list.size() > 1 ? ",[" : "[") + json::quote(entry->first) + ",\"" + dtypeName(cpu.scalar_type()) + "\",[";
    for (int64_t d = 0; d < cpu.dim(); ++d) list += (d ? "," : "") + std::to_string(cpu.size(d));
    list += "]]";
    contiguous.push_back(std::move(cpu));
  }
  list += "]";
  Sha256 hash;
  hash.update(list);
  for (const auto& tensor : contiguous) hash.update(tensor.data_ptr(), tensor.numel() * tensor.element_size());
  return hash.hexDigest();
}

}  // namespace diffprompt::safetensors
