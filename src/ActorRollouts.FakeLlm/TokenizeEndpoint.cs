using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.FakeLlm;

/// <summary><c>POST /tokenize</c> as vLLM serves it (at the root): <c>{model, messages, add_generation_prompt (default
/// true), continue_final_message, add_special_tokens, tools}</c> rendered by <see cref="FakeChatTemplate"/> — the history
/// matched to the scripted turns as the chat endpoint does, so drift and dropped reasoning show here too — or
/// <c>{model, prompt}</c> with a text, encoded. Answers <c>{count, max_model_len, tokens, token_strs}</c>; a bad body
/// is a 400 naming the field in <c>error.param</c>.</summary>
internal sealed class TokenizeEndpoint(FakeScript script, RequestLog log)
{
    /// <summary>What the fake reports as its context length (Qwen3's native 32k).</summary>
    public const int MaxModelLen = 32768;

    public async Task HandleAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var entry = log.Begin(context, body);
        try
        {
            log.End(entry, await AnswerAsync(context, body), null);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            log.End(entry, 499, null);
        }
        finally
        {
            log.Finish();
        }
    }

    private async Task<int> AnswerAsync(HttpContext context, string body)
    {
        int[] tokens;
        try
        {
            tokens = Tokenize(body);
        }
        catch (BadField ex)
        {
            await OpenAiErrors.WriteAsync(context, 400, ex.Message, null, param: ex.Field);
            return 400;
        }
        context.Response.ContentType = "application/json";
        var answer = new JsonObject
        {
            ["count"] = tokens.Length, ["max_model_len"] = MaxModelLen,
            ["tokens"] = new JsonArray(tokens.Select(id => (JsonNode)id).ToArray()), ["token_strs"] = null,
        };
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
        return 200;
    }

    private int[] Tokenize(string body)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(body) as JsonObject ?? throw new BadField(null, "The body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new BadField(null, $"We could not parse the JSON body of your request: {ex.Message}");
        }
        if (root["messages"] is { } node) return Chat(root, node);
        if (root["prompt"] is { } prompt)
            return prompt is JsonValue v && v.TryGetValue(out string? text)
                ? FakeTokenizer.Encode(text)
                : throw new BadField("prompt", "'prompt' must be a string.");
        throw new BadField("messages", "The body needs 'messages' (a chat to render) or 'prompt' (a text to encode).");
    }

    private int[] Chat(JsonObject root, JsonNode node)
    {
        if (node is not JsonArray messages) throw new BadField("messages", "'messages' must be an array of messages.");
        for (var i = 0; i < messages.Count; i++)
            if (messages[i] is not JsonObject message || message["role"] is not JsonValue role || !role.TryGetValue(out string? _))
                throw new BadField($"messages[{i}].role", $"'messages[{i}].role' must be a string (each message an object with a role).");
        var addGenerationPrompt = Flag(root, "add_generation_prompt", true);
        var continueFinalMessage = Flag(root, "continue_final_message", false);
        Flag(root, "add_special_tokens", false); // ChatML adds no BOS: checked, else unused
        if (addGenerationPrompt && continueFinalMessage) // vLLM's own check; add_generation_prompt defaults to true
            throw new BadField("continue_final_message", "Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
        var tools = root["tools"] switch
        {
            null => null,
            JsonArray array => array,
            _ => throw new BadField("tools", "'tools' must be an array."),
        };
        var firstUser = messages.FirstOrDefault(m => (string?)m!["role"] == "user");
        var scenario = script.Find(firstUser is null ? "" : MessageText.Of(firstUser["content"]));
        return new FakeChatTemplate(scenario).Render(messages, tools, addGenerationPrompt, continueFinalMessage);
    }

    private static bool Flag(JsonObject root, string name, bool otherwise) => root[name] switch
    {
        null => otherwise,
        JsonValue v when v.TryGetValue(out bool flag) => flag,
        _ => throw new BadField(name, $"'{name}' must be a boolean."),
    };

    private sealed class BadField(string? field, string message) : Exception(message)
    {
        public string? Field { get; } = field;
    }
}
