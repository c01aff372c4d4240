using ActorRollouts.Actors.Agents;
using ActorRollouts.Core.Agents;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static ActorRollouts.Actors.Agents.AgentProtocol;

namespace ActorRollouts.Cli.Gateway;

/// <summary>The OpenAI-compatible routes agents call: <c>POST /v1/chat/completions</c> and <c>POST /v1/responses</c>
/// (streamed or not), and <c>GET /v1/models</c>. Every error is OpenAI's error shape, which the SDKs turn into their exceptions: a wrong key is a
/// 401, a request that cannot be read or forwarded a 400 naming the field (journaled in the session).</summary>
public static class AgentGatewayApi
{
    public static void Map(WebApplication app, AgentGatewayLinks links)
    {
        app.MapGet("/v1/models", (HttpContext context) => Authorized(context, links) is null
            ? ErrorAsync(context, 401, "Incorrect API key: agents use the key in their OPENAI_API_KEY.", "invalid_request_error", "invalid_api_key")
            : context.Response.WriteAsJsonAsync(new { @object = "list", data = new[] { new { id = "actor-rollouts", @object = "model", created = 0, owned_by = "actor-rollouts" } } }));
        app.MapPost("/v1/chat/completions", (HttpContext context) => TurnAsync(context, links, Chat));
        app.MapPost("/v1/responses", (HttpContext context) => TurnAsync(context, links, Responses));
        app.MapFallback((HttpContext context) => ErrorAsync(context, 404, $"No route {context.Request.Method} {context.Request.Path}: this gateway serves " +
            "POST /v1/chat/completions, POST /v1/responses and GET /v1/models.", "invalid_request_error", "unknown_url"));
    }

    /// <summary>One API's wire: how a request is read, and how an answer is written whole or streamed.</summary>
    private sealed record Wire(Func<byte[], AgentRequest> Parse, Func<AgentAnswer, byte[]> Whole, Func<AgentAnswer, AgentRequest, IEnumerable<byte[]>> Streamed);

    private static readonly Wire Chat = new(body => ChatWire.Parse(body), ChatAnswerWriter.Completion, (a, r) => ChatAnswerWriter.Chunks(a, r.IncludeUsage));

    private static readonly Wire Responses = new(body => ResponsesWire.Parse(body), ResponsesAnswerWriter.Response, (a, _) => ResponsesAnswerWriter.Events(a));

    private static async Task TurnAsync(HttpContext context, AgentGatewayLinks links, Wire wire)
    {
        if (Authorized(context, links) is not { } session)
        {
            await ErrorAsync(context, 401, "Incorrect API key: agents use the key in their OPENAI_API_KEY.", "invalid_request_error", "invalid_api_key");
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        object question;
        AgentRequest? request = null;
        try
        {
            request = wire.Parse(body.ToArray());
            question = new AgentTurn(request);
        }
        catch (AgentRequestException bad)
        {
            question = new AgentTurnInvalid(bad.Message, bad.Param);
        }
        object reply;
        try
        {
            reply = await session.Ask<object>(question, Timeout.InfiniteTimeSpan, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return; // the agent hung up: the turn is journaled all the same
        }
        switch (reply)
        {
            case AgentTurnAnswered { Answer: var answer } when request!.Stream:
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                foreach (var chunk in wire.Streamed(answer, request))
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                break;
            case AgentTurnAnswered { Answer: var answer }:
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(wire.Whole(answer), context.RequestAborted);
                break;
            case AgentTurnRefused refused:
                await ErrorAsync(context, refused.Status, refused.Message, refused.Type, refused.Code, refused.Param);
                break;
        }
    }

    /// <summary>The session whose key the request carries, or null.</summary>
    private static IActorRef? Authorized(HttpContext context, AgentGatewayLinks links)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && links.Find(header["Bearer ".Length..].Trim()) is { } found ? found.Session : null;
    }

    private static async Task ErrorAsync(HttpContext context, int status, string message, string type, string? code, string? param = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(OpenAiError.Body(message, type, param, code));
    }
}
