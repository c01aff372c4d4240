namespace ActorRollouts.Core.Tokens;

/// <summary>What a fleet records of the model's tokens (<c>--tokens</c>): nothing (<c>off</c>, the default), what an
/// OpenAI-compatible server such as vLLM reports beside its text (<c>capture</c>), or the session's own token sequence,
/// sent as ids so the server never re-tokenizes history (<c>exact</c>).</summary>
public static class TokenModes
{
    public const string Off = "off";
    public const string Capture = "capture";
    public const string Exact = "exact";

    public static bool IsValid(string mode) => mode is Off or Capture or Exact;

    /// <summary>True when a session with this setting records tokens (null, as in journals from before, is off).</summary>
    public static bool Records(string? mode) => mode is Capture or Exact;
}
