namespace ActorRollouts.Core.Tokens;

/// <summary>One model turn's tokens in a session's state: the turn, the policy version its request was sent under and the
/// version when its answer arrived (they differ for a request in flight across a weight update), and the tokens.</summary>
public sealed record TokenTurn(int Turn, int DispatchVersion, int CompletionVersion, TurnTokens Tokens);
