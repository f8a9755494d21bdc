"""The packaged conformance suite: collected by the plugin when --conformance or --target is given."""
