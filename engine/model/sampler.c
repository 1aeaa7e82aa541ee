/* sampler.c: run.c's Sampler: temperature, top-p, RNG state and scratch. */
#include "model/generate.h"

int
nm_sampler_init(nm_sampler *sp, int vocab_size, float temperature, float topp, nm_u64 seed)
{
	sp->vocab_size = vocab_size;
	sp->temperature = temperature;
	sp->topp = topp;
	sp->rng_state = seed;
	sp->scratch = nm_alloc((nm_u64)vocab_size * sizeof(nm_prob_index));
	return sp->scratch == nil ? -1 : 0;
}

void
nm_sampler_free(nm_sampler *sp)
{
	nm_free(sp->scratch);
	sp->scratch = nil;
}

int
nm_sampler_sample(nm_sampler *sp, const nm_kernel_table *k, float *logits)
{
	/* greedy: the table's argmax, the same index as nm_sample's */
	if (sp->temperature == 0.0f && k != nil)
		return k->argmax(logits, sp->vocab_size);
	return nm_sample(logits, sp->vocab_size, sp->temperature, sp->topp, &sp->rng_state,
	                 sp->scratch);
}
