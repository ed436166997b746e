# Install rules and the find_package(aotc) config.
