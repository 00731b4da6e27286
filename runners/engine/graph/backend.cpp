#include "runners/engine/graph/backend.h"
