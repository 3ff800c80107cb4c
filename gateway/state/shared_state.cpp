#include "gateway/state/shared_state.hpp"

namespace tg::state {
namespace {

class Category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "shared state"; }
    std::string message(int value) const override {
        switch (static_cast<Errc>(value)) {
            case Errc::unavailable: return "the shared state is unavailable";
            case Errc::timeout: return "the shared state did not answer in time";
        }
        return "shared state error";
    }
};

}  // namespace

const boost::system::error_category& error_category() {
    static const Category category;
    return category;
}

}  // namespace tg::state
