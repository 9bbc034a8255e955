proc ::mc::replay_device {o} { usage_error "not yet" }
