/*
 * event.c - the names of the runtime's enumerations: result codes, event
 * kinds, handle kinds, future roles and outcomes.
 *
 * Each list is an X-macro in rt.h, so a name is written exactly once and
 * the tables below cannot drift from the enums. The trace writer and the
 * front end turn event fields into strings with these functions.
 */
#include "rt_internal.h"

/* A static description of a result code; never NULL. Unknown codes get a
 * generic text rather than NULL so that callers can print it directly. */
const char *rt_strerror(int code)
{
    switch (code) {
#define RT_ERROR_CASE(name, value, text) \
    case value:                          \
        return text;
        RT_ERRORS(RT_ERROR_CASE)
#undef RT_ERROR_CASE
    }
    return "unknown error";
}

static const char *const event_names[RT_EV__COUNT] = {
#define RT_EVENT_NAME(name, text) text,
    RT_EVENT_KINDS(RT_EVENT_NAME)
#undef RT_EVENT_NAME
};

/* The trace name of an event kind; "?" when out of range. */
const char *rt_event_name(rt_event_kind kind)
{
    if ((unsigned)kind >= RT_EV__COUNT)
        return "?";
    return event_names[kind];
}

static const char *const handle_kind_names[RT_HANDLE__COUNT] = {
#define RT_HANDLE_NAME(name, text) text,
    RT_HANDLE_KINDS(RT_HANDLE_NAME)
#undef RT_HANDLE_NAME
};

/* The name of a handle kind ("step"); "?" when out of range. */
const char *rt_handle_kind_name(rt_handle_kind kind)
{
    if ((unsigned)kind >= RT_HANDLE__COUNT)
        return "?";
    return handle_kind_names[kind];
}

static const char *const role_names[RT_ROLE__COUNT] = {
#define RT_ROLE_NAME(name, text) text,
    RT_FUTURE_ROLES(RT_ROLE_NAME)
#undef RT_ROLE_NAME
};

/* The name of a future role ("sleep"); "?" when out of range. */
const char *rt_future_role_name(rt_future_role role)
{
    if ((unsigned)role >= RT_ROLE__COUNT)
        return "?";
    return role_names[role];
}

static const char *const outcome_names[RT_OUTCOME__COUNT] = {
#define RT_OUTCOME_NAME(name, text) text,
    RT_OUTCOMES(RT_OUTCOME_NAME)
#undef RT_OUTCOME_NAME
};

/* The name of an outcome ("exception"); "?" when out of range. */
const char *rt_outcome_name(rt_outcome outcome)
{
    if ((unsigned)outcome >= RT_OUTCOME__COUNT)
        return "?";
    return outcome_names[outcome];
}
