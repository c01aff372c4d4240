using System.ClientModel.Primitives;
using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using OpenAI.Responses;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>Our transcript to and from the Responses API SDK types. Stateless (<c>store: false</c>): every turn sends the
/// whole history, with each earlier assistant turn's output items replayed verbatim — reasoning items keep their
/// <c>encrypted_content</c>, so reasoning survives across turns without the server keeping anything.</summary>
internal static class ResponsesConversions
{
    public static CreateResponseOptions ToOptions(ModelRequest request)
    {
        var endpoint = request.Endpoint;
        var (model, suffixEffort) = ApiRouting.SplitEffort(endpoint.Model);
        var effort = suffixEffort ?? endpoint.ReasoningEffort;
        var options = new CreateResponseOptions(model, ToInputItems(request.Messages))
        {
            StreamingEnabled = true,
            StoredOutputEnabled = false,
            Instructions = Instructions(request.Messages),
            MaxOutputTokenCount = endpoint.MaxOutputTokens,
        };
        // Reasoning models: ask for the encrypted reasoning so it can be sent back next turn; set the effort if any.
        if (IsReasoningModel(model) || effort is not null)
        {
            options.IncludedProperties.Add(IncludedResponseProperty.ReasoningEncryptedContent);
            if (effort is not null)
                options.ReasoningOptions = new ResponseReasoningOptions
                {
                    ReasoningEffortLevel = new ResponseReasoningEffortLevel(effort),
                    ReasoningSummaryVerbosity = ResponseReasoningSummaryVerbosity.Auto,
                };
        }
        foreach (var tool in request.Tools)
            options.Tools.Add(ResponseTool.CreateFunctionTool(tool.Name, BinaryData.FromString(tool.ParametersSchema.GetRawText()),
                strictModeEnabled: false, functionDescription: tool.Description));
        return options;
    }

    public static bool IsReasoningModel(string model) => ApiRouting.Resolve(ApiRouting.Auto, model) == ApiRouting.Responses;

    /// <summary>System messages become <c>instructions</c>; they are not input items.</summary>
    public static string? Instructions(IEnumerable<Message> messages)
    {
        var system = messages.Where(m => m.Role == Roles.System).Select(m => m.Content).OfType<string>().ToList();
        return system.Count == 0 ? null : string.Join("\n\n", system);
    }

    public static List<ResponseItem> ToInputItems(IEnumerable<Message> messages)
    {
        var items = new List<ResponseItem>();
        foreach (var message in messages)
        {
            switch (message.Role)
            {
                case Roles.User:
                    items.Add(ResponseItem.CreateUserMessageItem(message.Content ?? ""));
                    break;
                case Roles.Tool:
                    items.Add(ResponseItem.CreateFunctionCallOutputItem(message.ToolCallId ?? "", message.Content ?? ""));
                    break;
                case Roles.Assistant when message.ResponseItems is { Count: > 0 } raw:
                    items.AddRange(raw.Select(json => ModelReaderWriter.Read<ResponseItem>(BinaryData.FromString(json))!));
                    break;
                case Roles.Assistant:
                    // A turn that did not come from the Responses API: its text (never dropped) then its calls.
                    if (!string.IsNullOrEmpty(message.Content)) items.Add(ResponseItem.CreateAssistantMessageItem(message.Content, []));
                    foreach (var call in message.ToolCalls ?? [])
                        items.Add(ResponseItem.CreateFunctionCallItem(call.Id, call.Name, new BinaryData(call.Arguments.Utf8)));
                    break;
            }
        }
        return items;
    }

    /// <summary>The assistant message of a finished response: text of its message items, its function calls, the
    /// readable reasoning summaries, and every output item verbatim for the next turn.</summary>
    public static Message FromOutputItems(IReadOnlyList<ResponseItem> items)
    {
        // A response can hold several message items (gpt-5.x: a "commentary" preamble, then the "final_answer"): each
        // is its own paragraph, never run together.
        var text = string.Join("\n\n", items.OfType<MessageResponseItem>()
            .Select(m => string.Concat(m.Content.Select(part => part.Text ?? part.Refusal ?? "")))
            .Where(t => t.Length > 0));
        var calls = items.OfType<FunctionCallResponseItem>()
            .Select(c => new ToolCall(c.CallId, c.FunctionName, c.FunctionArguments?.ToString() ?? "")).ToImmutableList();
        var summaries = items.OfType<ReasoningResponseItem>().Select(r => r.GetSummaryText()).Where(s => !string.IsNullOrEmpty(s)).ToList();
        var raw = items.Select(item => ModelReaderWriter.Write(item).ToString()).ToImmutableList();
        return new Message(Roles.Assistant, text.Length > 0 ? text : null,
            ReasoningContent: summaries.Count > 0 ? string.Join("\n\n", summaries) : null,
            ToolCalls: calls.IsEmpty ? null : calls,
            ResponseItems: raw);
    }

    public static Usage FromUsage(ResponseTokenUsage? usage) => usage is null
        ? Usage.Zero
        : new Usage(usage.InputTokenCount, usage.OutputTokenCount,
            usage.OutputTokenDetails?.ReasoningTokenCount ?? 0, usage.InputTokenDetails?.CachedTokenCount ?? 0);
}
