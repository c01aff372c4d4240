using ActorRollouts.Core.Model;

namespace ActorRollouts.Actors.Sessions;

/// <summary>Confirmation policies: approve every call, refuse every call, or ask a person.</summary>
public static class ConfirmPolicies
{
    public const string Auto = "auto";
    public const string Deny = "deny";
    public const string Ask = "ask";

    public static bool IsValid(string policy) => policy is Auto or Deny or Ask;
}

/// <summary>Between a session and whoever answers its <c>ask</c> confirmations (a terminal prompt in the CLI).</summary>
public static class ConfirmationProtocol
{
    public sealed record ConfirmRequest(string SessionId, ToolCall Call) : IWithSessionId;

    public sealed record ConfirmAnswer(string SessionId, string ToolCallId, bool Approved, string DecidedBy) : IWithSessionId;
}
