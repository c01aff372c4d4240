using System.Collections.Immutable;

namespace ActorRollouts.Core.Tokens;

/// <summary>The tokens of one model call as the server reported them: the whole prompt it built (vLLM's
/// <c>prompt_token_ids</c>), the ids it generated (<c>token_ids</c>) and the sampler's log probability of each
/// (<c>logprobs.content[].logprob</c>; empty when the server gave none). What the provider hands the session; the journal
/// keeps it packed (<see cref="TurnTokens"/>).</summary>
public sealed record TokenOutput(ImmutableArray<int> PromptIds, ImmutableArray<int> CompletionIds, ImmutableArray<float> Logprobs);
