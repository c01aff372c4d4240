using System.Buffers;
using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using System.Text.Json;
using OpenAI.Chat;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>Our transcript to the Chat Completions SDK types. All SDK mapping lives here; our events never hold SDK types.</summary>
internal static class ChatConversions
{
    public static List<ChatMessage> ToChatMessages(IEnumerable<Message> messages) => messages.Select(ToChatMessage).ToList();

    public static ChatMessage ToChatMessage(Message message) => message.Role switch
    {
        Roles.System => new SystemChatMessage(message.Content ?? ""),
        Roles.User => new UserChatMessage(message.Content ?? ""),
        Roles.Tool => new ToolChatMessage(message.ToolCallId ?? "", message.Content ?? ""),
        Roles.Assistant => ToAssistant(message),
        _ => throw new ArgumentException($"Unknown message role '{message.Role}'."),
    };

    /// <summary>Tools, temperature, <c>max_completion_tokens</c>, and the endpoint's extra body fields (vLLM/SGLang
    /// options such as <c>top_k</c> or <c>chat_template_kwargs</c>) written into the request through the SDK's JSON patch.</summary>
    public static ChatCompletionOptions ToOptions(ModelRequest request)
    {
        var endpoint = request.Endpoint;
        var options = new ChatCompletionOptions
        {
            Temperature = endpoint.Temperature is { } t ? (float)t : null,
            MaxOutputTokenCount = endpoint.MaxOutputTokens,
        };
        foreach (var tool in request.Tools)
            options.Tools.Add(ChatTool.CreateFunctionTool(tool.Name, tool.Description, BinaryData.FromString(tool.ParametersSchema.GetRawText())));
        foreach (var (key, value) in endpoint.ExtraBody ?? System.Collections.Immutable.ImmutableSortedDictionary<string, System.Text.Json.JsonElement>.Empty)
            options.Patch.Set(System.Text.Encoding.UTF8.GetBytes($"$.{key}"), BinaryData.FromString(value.GetRawText()));
        return options;
    }

    /// <summary>An assistant turn keeps both its text and its tool calls.</summary>
    private static AssistantChatMessage ToAssistant(Message message)
    {
        if (!message.HasToolCalls) return new AssistantChatMessage(message.Content ?? "");
        var calls = message.ToolCalls!.Select(ToChatToolCall);
        var assistant = new AssistantChatMessage(calls);
        if (!string.IsNullOrEmpty(message.Content)) assistant.Content.Add(ChatMessageContentPart.CreateTextPart(message.Content));
        return assistant;
    }

    /// <summary>Arguments above this size are handed to the SDK as the call's finished JSON (see <see cref="ToChatToolCall"/>).</summary>
    internal const int LargeArguments = 64 * 1024;

    /// <summary>The SDK writes a call's arguments through a UTF-16 string and a scratch buffer six times its length (for
    /// 20 MB of arguments: a 40 MB string and a 240 MB buffer). Large arguments go in as the call's JSON written here
    /// from their UTF-8 in bounded pieces, through the SDK's own JSON patch of the whole call.</summary>
    private static ChatToolCall ToChatToolCall(ToolCall call)
    {
        var chatCall = ChatToolCall.CreateFunctionToolCall(call.Id, call.Name, new BinaryData(call.Arguments.Utf8));
        if (call.Arguments.Length > LargeArguments) chatCall.Patch.Set("$"u8, FunctionCallJson(call));
        return chatCall;
    }

    /// <summary><c>{"id":…,"type":"function","function":{"name":…,"arguments":"…"}}</c>, in a buffer sized for the
    /// arguments with room for their escapes, and handed over without a copy.</summary>
    private static BinaryData FunctionCallJson(ToolCall call)
    {
        var buffer = new ArrayBufferWriter<byte>(call.Arguments.Length + call.Arguments.Length / 8 + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", call.Id);
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", call.Name);
            writer.WritePropertyName("arguments");
            ToolArgumentsJsonConverter.WriteValue(writer, call.Arguments.Utf8.Span);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return new BinaryData(buffer.WrittenMemory);
    }

    public static string ToFinishReason(ChatFinishReason reason) => reason switch
    {
        ChatFinishReason.Stop => "stop",
        ChatFinishReason.Length => "length",
        ChatFinishReason.ToolCalls => "tool_calls",
        ChatFinishReason.ContentFilter => "content_filter",
        ChatFinishReason.FunctionCall => "function_call",
        _ => reason.ToString().ToLowerInvariant(),
    };

    public static Usage FromUsage(ChatTokenUsage? usage) => usage is null
        ? Usage.Zero
        : new Usage(usage.InputTokenCount, usage.OutputTokenCount,
            usage.OutputTokenDetails?.ReasoningTokenCount ?? 0, usage.InputTokenDetails?.CachedTokenCount ?? 0);

    public static ImmutableList<ToolCall> ToolCalls(IEnumerable<(string Id, string Name, ToolArguments Arguments)> calls) =>
        calls.Select(c => new ToolCall(c.Id, c.Name, c.Arguments)).ToImmutableList();
}
