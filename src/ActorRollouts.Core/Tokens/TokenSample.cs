using System.Collections.Immutable;

namespace ActorRollouts.Core.Tokens;

/// <summary>One training sample of a session, token for token: <see cref="PromptIds"/> is the first turn's prompt;
/// <see cref="ResponseIds"/> everything after it — each turn's completion, and the tokens the chat template put between
/// turns (tool results, template markup). <see cref="ResponseMask"/> is 1 on tokens the model generated and 0 elsewhere;
/// <see cref="ResponseLogprobs"/> the sampler's log probability of each generated token (0 elsewhere);
/// <see cref="PolicyVersions"/> the policy version of the request that generated each token (-1 on tokens not generated).
/// <see cref="StartReason"/> says why the sample begins where it does: <c>first_turn</c>, <c>drift</c> (the server's
/// prompt did not extend the previous turn's tokens: it re-tokenized history; <see cref="Drift"/> is that turn) or
/// <c>tokens_unavailable</c> (the turn before had no tokens). <see cref="HasLogprobs"/> is false when a turn of it came
/// without log probabilities (they read 0). <see cref="Thread"/> is the agent thread the sample is of, in an agent session
/// (each thread's turns make samples of their own).</summary>
public sealed record TokenSample(
    int SampleIndex,
    ImmutableArray<int> PromptIds,
    ImmutableArray<int> ResponseIds,
    ImmutableArray<byte> ResponseMask,
    ImmutableArray<float> ResponseLogprobs,
    ImmutableArray<int> PolicyVersions,
    ImmutableList<int> Turns,
    string StartReason,
    int? Drift,
    bool HasLogprobs = true,
    int? Thread = null)
{
    public const string FirstTurn = "first_turn";
    public const string Drifted = "drift";
    public const string AfterUnavailable = "tokens_unavailable";
}
