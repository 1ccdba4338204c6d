// The models behind other handles, for composite jobs (the generator's training step reads the
// conditioner and the Mask-VAE). Each lookup checks the JavaScript object is a handle of that
// class (instanceof the constructor this addon registered) and not disposed; otherwise it
// throws ERR_CONFIG or ERR_DISPOSED. The returned pointer keeps the model alive for the job.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

namespace diffprompt {
class ClipModel;
class Conditioner;
class GroundingModel;
class MaskVaeModel;
class PromptGenerator;
}  // namespace diffprompt

namespace diffprompt::napi {

std::shared_ptr<GroundingModel> groundingModelOf(Napi::Env env, Napi::Value value, const std::string& what);  // grounding_handle.cc
bool isGroundingHandle(Napi::Env env, Napi::Value value);
std::shared_ptr<ClipModel> clipModelOf(Napi::Env env, Napi::Value value, const std::string& what);            // clip_handle.cc
bool isClipHandle(Napi::Env env, Napi::Value value);
std::shared_ptr<MaskVaeModel> maskVaeModelOf(Napi::Env env, Napi::Value value, const std::string& what);      // mask_vae_handle.cc
std::shared_ptr<PromptGenerator> promptGeneratorOf(Napi::Env env, Napi::Value value, const std::string& what);  // prompt_generator_handle.cc
/** A grounding model or a CLIP model, as the generator's conditioner. */
std::shared_ptr<Conditioner> conditionerOf(Napi::Env env, Napi::Value value, const std::string& what);        // prompt_generator_handle.cc

}  // namespace diffprompt::napi
