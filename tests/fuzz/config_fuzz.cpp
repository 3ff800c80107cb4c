// Fuzz target: a config file as the operator writes it (JSON with comments and trailing
// commas), loaded with every module's section validator as `trading-gateway --check`
// does. Bad input must give problems, never a crash; no file or variable is read.
#include "gateway/config/loader.hpp"
#include "gateway/handlers/handler.hpp"
#include "proto_handlers/register_all.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    static const auto options = [] {
        static handlers::Registry registry;
        proto_handlers::register_all(registry);
        config::LoadOptions loaded;
        loaded.handler_names = registry.names();
        loaded.sections = registry.sections();
        loaded.getenv = [](const std::string&) -> std::optional<std::string> { return "fuzz-secret-value-0123456789"; };
        loaded.base_dir = "/nonexistent-fuzz-dir";
        return loaded;
    }();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = config::load_text(text, "fuzz.json", options);
    for (const auto& problem : result.problems) (void)config::to_string(problem);
    return 0;
}
