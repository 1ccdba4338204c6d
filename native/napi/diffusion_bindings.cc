// diffusionSchedule for JavaScript: the tables a Gaussian diffusion computes (β, ᾱ in float64,
// the kept original timesteps of a respacing), as an async job.
#include <napi.h>

#include "diffusion/gaussian_diffusion.h"
#include "napi/async_job.h"
#include "napi/error_mapping.h"
#include "napi/js_convert.h"
#include "napi/tensor_handle.h"

namespace diffprompt::napi {
namespace {

// diffusionSchedule(name, steps, respacing): Promise<{ betas, alphasCumprod (float64), timesteps (int64) }>.
Napi::Value DiffusionSchedule(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    const std::string name = expectString(info, 0, "schedule");
    const int64_t steps = info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 100;
    const std::string respacing = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
    struct Tables {
      at::Tensor betas, alphasCumprod, timesteps;
    };
    return PromiseJob<Tables>::start(info.Env(),
        [=](JobContext&) {
          const GaussianDiffusion diffusion(betaScheduleFromName(name), steps, respacedTimesteps(respacing, steps));
          return Tables{diffusion.betas(), diffusion.alphasCumprod(), at::tensor(diffusion.timestepMap(), at::kLong)};
        },
        [](Napi::Env env, Tables& tables) -> Napi::Value {
          Napi::Object result = Napi::Object::New(env);
          result.Set("betas", TensorHandle::wrap(env, tables.betas));
          result.Set("alphasCumprod", TensorHandle::wrap(env, tables.alphasCumprod));
          result.Set("timesteps", TensorHandle::wrap(env, tables.timesteps));
          return result;
        });
  });
}

}  // namespace

void exportDiffusionFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("diffusionSchedule", Napi::Function::New(env, DiffusionSchedule, "diffusionSchedule"));
}

}  // namespace diffprompt::napi
