using System.Text;
using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm;

/// <summary>The fake model's chat template: ChatML as Qwen's, rendered as text and encoded by <see cref="FakeTokenizer.Encode"/>
/// (one run of text, so exactly <c>Encode(RenderText(…))</c>) except where the scenario says otherwise:
/// <list type="bullet">
/// <item>system: <c>&lt;|im_start|&gt;system\n{content}</c> + with tools <c>\n\n# Tools\n</c> and one line per tool (its JSON as
/// sent, compact) + <c>&lt;|im_end|&gt;\n</c>; tools without a first system message get a block of their own
/// (<c>&lt;|im_start|&gt;system\n# Tools\n…&lt;|im_end|&gt;\n</c>).</item>
/// <item>user: <c>&lt;|im_start|&gt;user\n{content}&lt;|im_end|&gt;\n</c>; tool: the same block with
/// <c>&lt;tool_response&gt;\n{content}\n&lt;/tool_response&gt;</c> (Qwen's shape; plain text here).</item>
/// <item>assistant: <c>&lt;|im_start|&gt;assistant\n{Body}&lt;|im_end|&gt;\n</c> (<see cref="AssistantBody"/>); the generation
/// prompt is <c>&lt;|im_start|&gt;assistant\n</c>.</item>
/// </list>
/// The k-th assistant message in a history is scripted turn k of <paramref name="scenario"/>: a turn with
/// <see cref="FakeTurn.Retokenize"/> has its Body encoded by <see cref="FakeTokenizer.EncodeSingles"/> (same text, other ids:
/// drift), and a <see cref="FakeTemplateStyle.DropThink"/> scenario renders every history Body without its
/// <c>&lt;think&gt;</c> block, as Qwen3's template drops earlier reasoning. Both break the prefix property on purpose.
/// Since "assistant\n" is ten bytes, a Body's byte pairs start where the generated completion's did: the next prompt
/// begins with the previous prompt + the previous completion (Body + <c>&lt;|im_end|&gt;</c>) unless a turn drifts.</summary>
public sealed class FakeChatTemplate(FakeScenario? scenario = null)
{
    public const string GenerationPrompt = "<|im_start|>assistant\n";

    public string RenderText(JsonArray messages, JsonArray? tools = null, bool addGenerationPrompt = true, bool continueFinalMessage = false) =>
        string.Concat(Parts(messages, tools, addGenerationPrompt, continueFinalMessage).Select(p => p.Text));

    public int[] Render(JsonArray messages, JsonArray? tools = null, bool addGenerationPrompt = true, bool continueFinalMessage = false)
    {
        var ids = new List<int>();
        foreach (var (text, singles) in Parts(messages, tools, addGenerationPrompt, continueFinalMessage))
            ids.AddRange(singles ? FakeTokenizer.EncodeSingles(text) : FakeTokenizer.Encode(text));
        return [.. ids];
    }

    /// <summary>How reasoning sits at the start of a Body when it is sent inside the content.</summary>
    public static string ThinkBlock(string reasoning) => $"<think>\n{reasoning}\n</think>\n\n";

    /// <summary>An assistant turn's text: the content (a leading think block kept as is), then each call as a hermes
    /// block <c>&lt;tool_call&gt;\n{"name": "N", "arguments": ARGS}\n&lt;/tool_call&gt;</c> with ARGS verbatim, calls
    /// separated by <c>\n</c>, and <c>\n\n</c> between text and the first call (none when there is no text).</summary>
    public static string AssistantBody(string? content, IReadOnlyList<(string Name, string Arguments)> calls) => Layout(content, calls).Text;

    /// <summary>The Body with every <c>&lt;think&gt;…&lt;/think&gt;</c> block, and the <c>\n\n</c> after it, removed.</summary>
    public static string DropThink(string body)
    {
        for (var start = body.IndexOf("<think>", StringComparison.Ordinal); start >= 0; start = body.IndexOf("<think>", start, StringComparison.Ordinal))
        {
            var end = body.IndexOf("</think>", start, StringComparison.Ordinal);
            if (end < 0) break;
            end += "</think>".Length;
            if (body.AsSpan(end).StartsWith("\n\n")) end += 2;
            body = body.Remove(start, end - start);
        }
        return body;
    }

    /// <summary>The Body and where its parts are (char offsets), so a stream can say which tokens each chunk carries.
    /// The content always occupies <c>[0, ContentEnd)</c>.</summary>
    internal static BodyLayout Layout(string? content, IReadOnlyList<(string Name, string Arguments)> calls)
    {
        content ??= "";
        var text = new StringBuilder(content);
        var rest = content.Length - ThinkLength(content);
        if (rest > 0 && calls.Count > 0) text.Append("\n\n");
        var arguments = new List<(int Start, int End)>(calls.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            if (i > 0) text.Append('\n');
            text.Append("<tool_call>\n{\"name\": \"").Append(calls[i].Name).Append("\", \"arguments\": ");
            arguments.Add((text.Length, text.Length + calls[i].Arguments.Length));
            text.Append(calls[i].Arguments).Append("}\n</tool_call>");
        }
        return new BodyLayout(text.ToString(), content.Length, arguments);
    }

    /// <summary>The length of a leading think block (with the <c>\n\n</c> after it), 0 if the content has none.</summary>
    private static int ThinkLength(string content)
    {
        if (!content.StartsWith("<think>", StringComparison.Ordinal)) return 0;
        var end = content.IndexOf("</think>", StringComparison.Ordinal);
        if (end < 0) return 0;
        end += "</think>".Length;
        return content.AsSpan(end).StartsWith("\n\n") ? end + 2 : end;
    }

    /// <summary>The prompt as runs of text; a run marked Singles is encoded byte by byte (a drifting turn's Body).</summary>
    private List<(string Text, bool Singles)> Parts(JsonArray messages, JsonArray? tools, bool addGenerationPrompt, bool continueFinalMessage)
    {
        var parts = new List<(string Text, bool Singles)>();
        var run = new StringBuilder();
        var toolLines = tools is { Count: > 0 } ? "# Tools\n" + string.Join('\n', tools.Select(t => t?.ToJsonString() ?? "null")) : null;
        var first = 0;
        if (messages.Count > 0 && Role(messages[0]) is "system" or "developer")
        {
            run.Append("<|im_start|>system\n").Append(MessageText.Of(messages[0]?["content"]));
            if (toolLines is not null) run.Append("\n\n").Append(toolLines);
            run.Append(End(0));
            first = 1;
        }
        else if (toolLines is not null)
            run.Append("<|im_start|>system\n").Append(toolLines).Append("<|im_end|>\n");

        var assistants = 0;
        for (var i = first; i < messages.Count; i++)
        {
            var message = messages[i];
            var content = MessageText.Of(message?["content"]);
            switch (Role(message))
            {
                case "assistant":
                    var turn = scenario is not null && assistants < scenario.Turns.Count ? scenario.Turns[assistants] : null;
                    assistants++;
                    var body = HistoryBody(message);
                    if (scenario?.Template == FakeTemplateStyle.DropThink) body = DropThink(body);
                    run.Append("<|im_start|>assistant\n");
                    if (turn?.Retokenize == true)
                    {
                        parts.Add((run.ToString(), false));
                        run.Clear();
                        parts.Add((body, true));
                    }
                    else run.Append(body);
                    break;
                case "tool":
                    run.Append("<|im_start|>user\n<tool_response>\n").Append(content).Append("\n</tool_response>");
                    break;
                case "system" or "developer":
                    run.Append("<|im_start|>system\n").Append(content);
                    break;
                case var role:
                    run.Append("<|im_start|>").Append(role).Append('\n').Append(content);
                    break;
            }
            run.Append(End(i));
        }
        if (addGenerationPrompt) run.Append(GenerationPrompt);
        parts.Add((run.ToString(), false));
        return parts;

        // continue_final_message leaves the last message open, for the model to go on with it
        string End(int index) => continueFinalMessage && index == messages.Count - 1 ? "" : "<|im_end|>\n";
    }

    private static string Role(JsonNode? message) => (string?)message?["role"] ?? "user";

    /// <summary>An assistant message of the history as the template sees it: its content (after a think block built from
    /// <c>reasoning_content</c>, as Qwen's template renders it, unless the content already starts with one) and its calls.</summary>
    private static string HistoryBody(JsonNode? message)
    {
        var content = MessageText.Of(message?["content"]);
        if ((string?)message?["reasoning_content"] is { Length: > 0 } reasoning && !content.StartsWith("<think>", StringComparison.Ordinal))
            content = ThinkBlock(reasoning) + content;
        var calls = (message?["tool_calls"] as JsonArray ?? []).Select(c => c?["function"]).Select(f => (
            (string?)f?["name"] ?? "",
            f?["arguments"] switch { JsonValue v when v.TryGetValue(out string? s) => s, null => "", var other => other.ToJsonString() })).ToList();
        return AssistantBody(content, calls);
    }
}

/// <summary>Where the parts of an assistant Body are: the content ends at <see cref="ContentEnd"/>, and call i's
/// arguments span <see cref="Arguments"/>[i] (char offsets into <see cref="Text"/>).</summary>
internal sealed record BodyLayout(string Text, int ContentEnd, IReadOnlyList<(int Start, int End)> Arguments);
