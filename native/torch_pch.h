// Precompiled once by the CMake build: torch/torch.h alone costs ~25 s per translation unit.
#pragma once
#include <torch/torch.h>
