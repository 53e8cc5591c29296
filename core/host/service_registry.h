// Named services plugins provide to each other ("auth.publish-authorizer/1").
#pragma once

#include <kek/services.h>

#include <map>
#include <string>

namespace kek::core {

class ServiceRegistry : public Services {
 public:
  void provide(const std::string& name, void* service) override { services_[name] = service; }
  void* lookup(const std::string& name) const override {
    auto it = services_.find(name);
    return it == services_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, void*> services_;
};

}  // namespace kek::core
