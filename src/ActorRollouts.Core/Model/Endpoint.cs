namespace ActorRollouts.Core.Model;

/// <summary>Where a session's model lives. Holds no secret: only the name of the environment variable
/// that holds the API key, which the provider reads at call time.</summary>
public sealed record Endpoint(string BaseUrl, string Model, string Api = "chat", string ApiKeyEnv = "OPENAI_API_KEY")
{
    public const string DefaultOpenAiBaseUrl = "https://api.openai.com/v1";
}

/// <summary>Token counts of one call, or cumulative over a session.</summary>
public sealed record Usage(long InputTokens = 0, long OutputTokens = 0, long ReasoningTokens = 0, long CachedTokens = 0)
{
    public static readonly Usage Zero = new();

    public Usage Add(Usage other) => new(
        InputTokens + other.InputTokens,
        OutputTokens + other.OutputTokens,
        ReasoningTokens + other.ReasoningTokens,
        CachedTokens + other.CachedTokens);
}
