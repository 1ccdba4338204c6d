// Noise schedules of the Gaussian diffusion, in float64 as OpenAI's improved-diffusion computes
// them: `linear` (β from 0.1/T to 20/T, DiT's training schedule) and `squaredcos_cap_v2`
// (Nichol & Dhariwal's cosine ᾱ, β capped at 0.999); and respacing, the kept timesteps of a
// shorter sampler ("ddim25" keeps t = 0, 4, …, 96 of 100).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace diffprompt {

enum class BetaSchedule { Linear, SquaredCosCapV2 };

BetaSchedule betaScheduleFromName(const std::string& name);
const char* betaScheduleName(BetaSchedule schedule);

/** β_0..β_{T−1}, float64. */
at::Tensor betasFor(BetaSchedule schedule, int64_t steps);

/** The timesteps a respaced sampler keeps, ascending: "ddimN" (every T/N-th from 0, as
 * improved-diffusion's space_timesteps) or "N" / "" (all T). ERR_CONFIG when N does not fit T. */
std::vector<int64_t> respacedTimesteps(const std::string& respacing, int64_t steps);

}  // namespace diffprompt
