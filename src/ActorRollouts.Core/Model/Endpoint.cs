namespace ActorRollouts.Core.Model;

/// <summary>Where a session's model lives and how it is asked. Holds no secret: only the name of the environment
/// variable that holds the API key, which the provider reads at call time. <paramref name="Api"/> is already resolved
/// (<c>chat</c> or <c>responses</c>). <paramref name="ExtraBody"/> holds non-OpenAI request fields for vLLM/SGLang
/// (<c>top_k</c>, <c>chat_template_kwargs</c>, …), sent with Chat Completions requests. <paramref name="Tokens"/> is the
/// fleet's token mode (<see cref="Tokens.TokenModes"/>; null is off), <paramref name="TopLogprobs"/> how many alternatives
/// per token it asks for, and <paramref name="PolicyVersion"/> the version of the weights the trainer says the server has:
/// each request is labelled with it.</summary>
public sealed record Endpoint(
    string BaseUrl,
    string Model,
    string Api = "chat",
    string ApiKeyEnv = "OPENAI_API_KEY",
    string? ReasoningEffort = null,
    double? Temperature = null,
    int? MaxOutputTokens = null,
    System.Collections.Immutable.ImmutableSortedDictionary<string, System.Text.Json.JsonElement>? ExtraBody = null,
    string? Tokens = null,
    int TopLogprobs = 0,
    int PolicyVersion = 0,
    string? ToolCallParser = null,
    int? MaxStaleness = null)
{
    /// <summary>Token in, token out: the session's own ids go to <c>/v1/completions</c>, never re-tokenized.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsExact => Tokens == Core.Tokens.TokenModes.Exact;

    /// <summary>The API a request goes out on, as journaled: <c>completions</c> for exact tokens, else <see cref="Api"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string RequestApi => IsExact ? "completions" : Api;

    /// <summary>True when this endpoint's answers carry tokens to journal.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool RecordsTokens => Core.Tokens.TokenModes.Records(Tokens);

    /// <summary>What a request to this endpoint is labelled with, and how it was sampled: journaled with every request when
    /// tokens are recorded or a policy version is set (null otherwise, so a plain fleet's journal stays as it was).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public RequestSampling? Sampling => RecordsTokens || PolicyVersion != 0
        ? new RequestSampling(BaseUrl, Temperature, MaxOutputTokens, TopLogprobs, ExtraBody, RecordsTokens ? CacheSalt : null)
        : null;

    /// <summary>vLLM's <c>cache_salt</c>: its prefix cache never serves one policy version's KV to another's request.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string CacheSalt => $"policy-{PolicyVersion}";

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

/// <summary>How a model request was sent: the endpoint and the sampler's arguments (extra body fields such as
/// <c>top_p</c> and <c>seed</c> included), journaled beside the policy version for a trainer's provenance.</summary>
public sealed record RequestSampling(
    string BaseUrl,
    double? Temperature,
    int? MaxOutputTokens,
    int TopLogprobs,
    System.Collections.Immutable.ImmutableSortedDictionary<string, System.Text.Json.JsonElement>? ExtraBody,
    string? CacheSalt);
