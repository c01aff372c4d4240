using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using OpenAI.Chat;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>Our transcript to the Chat Completions SDK types. All SDK mapping lives here; our events never hold SDK types.</summary>
internal static class ChatConversions
{
    public static ChatMessage ToChatMessage(Message message) => message.Role switch
    {
        Roles.System => new SystemChatMessage(message.Content ?? ""),
        Roles.User => new UserChatMessage(message.Content ?? ""),
        Roles.Tool => new ToolChatMessage(message.ToolCallId ?? "", message.Content ?? ""),
        Roles.Assistant => ToAssistant(message),
        _ => throw new ArgumentException($"Unknown message role '{message.Role}'."),
    };

    /// <summary>An assistant turn keeps both its text and its tool calls.</summary>
    private static AssistantChatMessage ToAssistant(Message message)
    {
        if (!message.HasToolCalls) return new AssistantChatMessage(message.Content ?? "");
        var calls = message.ToolCalls!.Select(c => ChatToolCall.CreateFunctionToolCall(c.Id, c.Name, new BinaryData(c.Arguments.Utf8)));
        var assistant = new AssistantChatMessage(calls);
        if (!string.IsNullOrEmpty(message.Content)) assistant.Content.Add(ChatMessageContentPart.CreateTextPart(message.Content));
        return assistant;
    }

    /// <summary>Arguments above this size (in UTF-8 bytes) are written by <see cref="ChatRequest"/> itself.</summary>
    internal const int LargeArguments = 64 * 1024;

    public static ImmutableList<ToolCall> ToolCalls(IEnumerable<(string Id, string Name, ToolArguments Arguments)> calls) =>
        calls.Select(c => new ToolCall(c.Id, c.Name, c.Arguments)).ToImmutableList();
}
