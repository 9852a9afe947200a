// How active() chooses its level, separate so tests can try COREINFER_ISA values without
// rebuilding the process-wide table.
#pragma once

#include <string>

#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

// The level for a COREINFER_ISA value (nullptr or "" = not set): the requested level when the
// CPU supports it, otherwise the best supported one, with the reason in *warning (left empty
// when the request is honoured or absent).
Isa resolve_isa(const char* requested, std::string* warning);

}  // namespace coreinfer::kernels
