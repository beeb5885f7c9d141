/*
 * verdict.c - the verdict and score of an input, derived only from its findings, so that
 * every verdict can be explained by pointing at findings.
 *
 * Severity decides: a high or critical finding makes the input malicious, a medium one
 * suspicious.  Below that, any finding that says part of the input was not examined
 * (encrypted, over a limit, unreadable member) makes it unscannable: an object we could not
 * look into is never reported clean.  info and low findings alone leave it clean.
 */
#include "result.h"

/* Score weights: enough low findings add up, but only severity sets the verdict. */
static const unsigned sev_weight[] = {0, 5, 30, 70, 100};

void fg_result_decide(fg_result *r)
{
    if (r->error) {
        r->verdict = FG_VERDICT_ERROR;
        r->score = 0;
        return;
    }
    int max = -1, unscannable = 0;
    unsigned score = 0;
    for (size_t i = 0; i < r->nobj; i++) {
        const struct fg_objrec *o = &r->obj[i];
        for (size_t j = 0; j < o->nfindings; j++) {
            const struct fg_finding *f = &o->findings[j];
            if ((int)f->severity > max)
                max = (int)f->severity;
            if (f->unscannable)
                unscannable = 1;
            score += sev_weight[f->severity];
        }
    }
    r->score = score > 100 ? 100 : score;
    if (max >= FG_SEV_HIGH)
        r->verdict = FG_VERDICT_MALICIOUS;
    else if (max == FG_SEV_MEDIUM)
        r->verdict = FG_VERDICT_SUSPICIOUS;
    else if (unscannable)
        r->verdict = FG_VERDICT_UNSCANNABLE;
    else
        r->verdict = FG_VERDICT_CLEAN;
}
