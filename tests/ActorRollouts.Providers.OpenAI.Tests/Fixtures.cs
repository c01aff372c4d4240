using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>The recorded OpenAI traffic in <c>Recordings/</c> (copied verbatim from the team's shared fixtures; INDEX.md there
/// names each file's source), copied next to the test binaries so a fresh clone needs nothing beside it.</summary>
internal static class Fixtures
{
    private static readonly string Root = Find();

    public static string Text(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    public static JsonElement Json(string relative) => JsonDocument.Parse(Text(relative)).RootElement.Clone();

    public static ModelRequest Request(Uri baseUrl, string keyEnv = "AR_PROVIDER_TEST_NO_KEY", params Message[] messages) =>
        new(new Endpoint(baseUrl.ToString(), "gpt-4o", "chat", keyEnv),
            messages.Length > 0 ? [.. messages] : [Message.User("hi")],
            [], 1, "s:t:0");

    public static ChatCompletionsClient Client() => new(new ProviderSettings(TimeSpan.FromSeconds(20)));

    public static ResponsesApiClient Responses() => new(new ProviderSettings(TimeSpan.FromSeconds(20)));

    /// <summary>A recording as a Responses SSE body. <c>.chunks.txt</c> files hold one event JSON per line without SSE
    /// framing: each line gets its <c>event:</c>/<c>data:</c> lines back, exactly as the API frames them.</summary>
    public static string ResponsesSse(string relative) =>
        relative.EndsWith(".chunks.txt", StringComparison.Ordinal)
            ? string.Concat(Text(relative).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => $"event: {JsonDocument.Parse(line).RootElement.GetProperty("type").GetString()}\ndata: {line}\n\n"))
            : Text(relative);

    private static string Find()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Recordings");
        return Directory.Exists(root)
            ? root
            : throw new DirectoryNotFoundException($"{root} is missing: the recordings are copied there by the test project's build.");
    }
}
