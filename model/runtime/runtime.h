#pragma once

// The Coroscope runtime in one include: loops, tasks, sleep, combinators, queues,
// threads and the QCoro bridge.

#include "clock.h"
#include "combinators.h"
#include "journal.h"
#include "loop.h"
#include "qcorobridge.h"
#include "queue.h"
#include "sleep.h"
#include "task.h"
#include "taskgroup.h"
#include "threads.h"
#include "types.h"
