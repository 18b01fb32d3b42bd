#include "native_target.h"

#include <vector>

namespace rtk_addon {

namespace {

struct TargetClass {
  Napi::FunctionReference constructor;
  TargetGetter getter;
};

// One list per addon instance (Node worker threads each load their own).
std::vector<TargetClass>& target_classes(Napi::Env env) {
  auto* classes = env.GetInstanceData<std::vector<TargetClass>>();
  if (classes == nullptr) {
    classes = new std::vector<TargetClass>();
    env.SetInstanceData(classes);
  }
  return *classes;
}

}  // namespace

void register_target_class(Napi::Env env, const Napi::Function& constructor, TargetGetter getter) {
  target_classes(env).push_back(TargetClass{Napi::Persistent(constructor), getter});
}

std::shared_ptr<const NativeTarget> native_target_of(const Napi::Value& v) {
  if (!v.IsObject()) return nullptr;
  const Napi::Object o = v.As<Napi::Object>();
  for (const TargetClass& c : target_classes(v.Env()))
    if (o.InstanceOf(c.constructor.Value())) return c.getter(o);
  return nullptr;
}

}  // namespace rtk_addon
