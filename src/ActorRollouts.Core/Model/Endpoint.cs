namespace ActorRollouts.Core.Model;

/// <summary>Where a session's model lives and how it is asked. Holds no secret: only the name of the environment
/// variable that holds the API key, which the provider reads at call time. <paramref name="Api"/> is already resolved
/// (<c>chat</c> or <c>responses</c>). <paramref name="ExtraBody"/> holds non-OpenAI request fields for vLLM/SGLang
/// (<c>top_k</c>, <c>chat_template_kwargs</c>, …), sent with Chat Completions requests.</summary>
public sealed record Endpoint(
    string BaseUrl,
    string Model,
    string Api = "chat",
    string ApiKeyEnv = "OPENAI_API_KEY",
    string? ReasoningEffort = null,
    double? Temperature = null,
    int? MaxOutputTokens = null,
    System.Collections.Immutable.ImmutableSortedDictionary<string, System.Text.Json.JsonElement>? ExtraBody = null)
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
