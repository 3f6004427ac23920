// Device strings -> c10::Device, refusing devices this process does not have (torch-side files only).
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace sda {

// Parses `device` (e.g. "cpu", "cuda:1", "mps") without asking whether it exists; throws NativeFailure
// kErrInvalidArgument for a malformed name.
c10::Device parseDevice(const std::string& device);

// Parses `device` (e.g. "cpu", "cuda:1", "mps") and checks it exists; throws NativeFailure
// (kErrDeviceUnavailable or kErrInvalidArgument) otherwise.
c10::Device requireDevice(const std::string& device);

}  // namespace sda
