using System.Collections.Immutable;
using ActorRollouts.Core.Model;
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
        var calls = message.ToolCalls!.Select(c => ChatToolCall.CreateFunctionToolCall(c.Id, c.Name, BinaryData.FromString(c.Arguments)));
        var assistant = new AssistantChatMessage(calls);
        if (!string.IsNullOrEmpty(message.Content)) assistant.Content.Add(ChatMessageContentPart.CreateTextPart(message.Content));
        return assistant;
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

    public static ImmutableList<ToolCall> ToolCalls(IEnumerable<(string Id, string Name, string Arguments)> calls) =>
        calls.Select(c => new ToolCall(c.Id, c.Name, c.Arguments)).ToImmutableList();
}
