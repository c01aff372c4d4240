using System.Text.RegularExpressions;

namespace ActorRollouts.Core.Model;

/// <summary>Which OpenAI API a model is called through.</summary>
public static partial class ApiRouting
{
    public const string Auto = "auto";
    public const string Chat = "chat";
    public const string Responses = "responses";

    // The reasoning families that need (or do best on) the Responses API: o1, o1-preview, o1-mini, o3, o4-mini, …
    // and every gpt-5 model (gpt-5, gpt-5-codex, gpt-5.1, gpt-5.1-codex, …). A provider prefix ("openai/") is ignored.
    [GeneratedRegex(@"^(?:[\w.-]+/)?(?:o\d+(?:-|$)|gpt-5)", RegexOptions.IgnoreCase)]
    private static partial Regex ResponsesFamilies();

    [GeneratedRegex(@"^(?<model>gpt-5\.1[\w.-]*?)-(?<effort>low|medium|high)$", RegexOptions.IgnoreCase)]
    private static partial Regex EffortSuffix();

    /// <summary>An explicit <c>chat</c> or <c>responses</c> wins; <c>auto</c> routes by model family. Everything that
    /// is not a known Responses family — including models on OpenAI-compatible servers such as vLLM — goes to Chat.</summary>
    public static string Resolve(string api, string model) => api.ToLowerInvariant() switch
    {
        Chat => Chat,
        Responses => Responses,
        Auto => ResponsesFamilies().IsMatch(model) ? Responses : Chat,
        _ => throw new ArgumentException($"api must be auto, chat or responses (got '{api}')."),
    };

    public static bool IsValid(string api) => api.ToLowerInvariant() is Auto or Chat or Responses;

    /// <summary><c>gpt-5.1-codex-high</c> → (<c>gpt-5.1-codex</c>, <c>high</c>): the suffix sets the reasoning effort
    /// and is stripped before the name is sent. Other names come back unchanged, with no effort.</summary>
    public static (string Model, string? Effort) SplitEffort(string model)
    {
        var match = EffortSuffix().Match(model);
        return match.Success ? (match.Groups["model"].Value, match.Groups["effort"].Value.ToLowerInvariant()) : (model, null);
    }
}
