/*
 * profile.h - what a profile is inside the library: the handler's name and the union flow
 * graph of the benign runs it learnt from.  The file format is docs/formats/profile.md.
 */
#ifndef FG_PROFILE_H
#define FG_PROFILE_H

#include "flow_graph.h"
#include "flowgate/flow.h"

#define FLOW_PROFILE_FORMAT "flowgate-profile"
#define FLOW_PROFILE_VERSION 1

struct fg_profile {
    char *handler;
    struct flow_graph g;   /* g.serial = documents learnt */
    uint32_t violations;   /* learnt runs that had code-origin violations (should be 0) */
};

const char *flow_kind_name(enum trc_kind k);

#endif
