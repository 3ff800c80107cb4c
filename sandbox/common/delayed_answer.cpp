#include "sandbox/common/delayed_answer.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tg::sandbox {

boost::asio::awaitable<Response> answer_after(Response response, std::chrono::milliseconds delay) {
  if (delay.count() > 0) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  co_return response;
}

}  // namespace tg::sandbox
