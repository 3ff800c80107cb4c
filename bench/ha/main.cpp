// ha-bench: the two helpers of bench/ha.sh (`make bench-ha`; bench/README.md).
//
//   ha-bench --seed N --users U --shards S --key-file F --key-prefix P   (Redis commands on stdout)
//   ha-bench --sink-ports K --port-file F [--max-seconds S]              (the tracking sink)
#include "bench/ha/seed.hpp"
#include "bench/ha/tracking_sink.hpp"

#include <fstream>
#include <iostream>
#include <map>
#include <string>

namespace {

constexpr const char* usage =
    "usage:\n"
    "  ha-bench --seed N --users U --shards S --key-file F --key-prefix P\n"
    "  ha-bench --sink-ports K --port-file F [--max-seconds S]\n";

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> args;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key.rfind("--", 0) != 0) {
            std::cerr << usage;
            return 2;
        }
        args[key.substr(2)] = argv[i + 1];
    }
    try {
        if (args.contains("seed")) {
            tg::bench::SeedOptions options;
            options.sessions = std::stoul(args.at("seed"));
            options.users = std::max(1ul, std::stoul(args.at("users")));
            options.shards = static_cast<unsigned>(std::stoul(args.at("shards")));
            std::ifstream(args.at("key-file")) >> options.key;
            options.key_prefix = args.at("key-prefix");
            if (options.key.empty()) throw std::runtime_error("empty key file");
            return tg::bench::run_seed(options);
        }
        if (args.contains("sink-ports")) {
            tg::bench::TrackingSinkOptions options;
            options.ports = static_cast<unsigned>(std::stoul(args.at("sink-ports")));
            options.port_file = args.at("port-file");
            if (args.contains("max-seconds")) options.max_seconds = std::stoi(args.at("max-seconds"));
            return tg::bench::run_tracking_sink(options);
        }
    } catch (const std::exception& e) {
        std::cerr << "ha-bench: " << e.what() << "\n" << usage;
        return 2;
    }
    std::cerr << usage;
    return 2;
}
