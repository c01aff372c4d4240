using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Exact;

/// <summary>Assembles a streamed <c>text_completion</c> (vLLM with <c>return_token_ids</c> and <c>logprobs</c>): the text,
/// every chunk's generated ids and their log probabilities in order, the finish reason and usage.</summary>
internal sealed class CompletionsAssembler(Action<ModelDelta>? onDelta)
{
    private readonly StringBuilder _text = new();

    public List<int> CompletionIds { get; } = [];
    public List<float> Logprobs { get; } = [];
    public string? Id { get; private set; }
    public string? FinishReason { get; private set; }
    public Usage? Usage { get; private set; }

    public string Text => _text.ToString();

    public void Add(ReadOnlySpan<byte> chunk)
    {
        using var doc = JsonDocument.Parse(chunk.ToArray());
        var root = doc.RootElement;
        if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String) Id ??= id.GetString();
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            Usage = new Usage(Count(usage, "prompt_tokens"), Count(usage, "completion_tokens"));
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array) return;
        foreach (var choice in choices.EnumerateArray().Take(1))
        {
            if (choice.TryGetProperty("text", out var text) && text.GetString() is { Length: > 0 } piece)
            {
                _text.Append(piece);
                onDelta?.Invoke(new ModelDelta(ModelDelta.TextKind, piece));
            }
            if (choice.TryGetProperty("token_ids", out var ids) && ids.ValueKind == JsonValueKind.Array)
                CompletionIds.AddRange(ids.EnumerateArray().Select(t => t.GetInt32()));
            if (choice.TryGetProperty("logprobs", out var logprobs) && logprobs.ValueKind == JsonValueKind.Object
                && logprobs.TryGetProperty("token_logprobs", out var values) && values.ValueKind == JsonValueKind.Array)
                Logprobs.AddRange(values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? (float)v.GetDouble() : 0f));
            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String) FinishReason = finish.GetString();
        }
    }

    private static long Count(JsonElement usage, string name) => usage.TryGetProperty(name, out var n) && n.TryGetInt64(out var v) ? v : 0;
}
