using System.Diagnostics;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Tests.Proto;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>The test server: counts every attempt, fails on request, and reports the deadline and caller it was given.</summary>
public sealed class ProbeService(ProbeState state, IServiceProvider services) : Probe.ProbeBase
{
    public override Task<ProbeReply> Act(ProbeRequest request, ServerCallContext context) => Answer(request, context);
    public override Task<ProbeReply> Read(ProbeRequest request, ServerCallContext context) => Answer(request, context);
    public override Task<ProbeReply> Put(ProbeRequest request, ServerCallContext context) => Answer(request, context);

    public override async Task<ProbeReply> Forward(ProbeRequest request, ServerCallContext context)
    {
        var own = await Answer(request, context);
        if (state.OnForward is { } hook) await hook(context);
        // The client registered in this host with AddServiceClient, if any.
        var next = services.GetService<Probe.ProbeClient>();
        // No deadline and no token passed on purpose: propagation must supply both.
        return next is null ? own : await next.ReadAsync(new ProbeRequest { Key = request.Key });
    }

    private static async Task<ProbeReply> HangAsync(ServerCallContext context)
    {
        await Task.Delay(Timeout.Infinite, context.CancellationToken);
        throw new InvalidOperationException("unreachable");
    }

    private Task<ProbeReply> Answer(ProbeRequest request, ServerCallContext context)
    {
        var attempts = state.Count(request.Key);
        if (request.FailCode != 0 && (request.FailTimes < 0 || attempts <= request.FailTimes))
            throw new RpcException(new Status((StatusCode)request.FailCode, $"failing attempt {attempts} on purpose"));
        if (request.HangAfterFailures) return HangAsync(context);
        var remaining = context.Deadline == DateTime.MaxValue ? -1 : (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds;
        return Task.FromResult(new ProbeReply
        {
            Server = state.Name,
            Attempts = attempts,
            RemainingDeadlineMs = remaining,
            TraceId = Activity.Current?.TraceId.ToString() ?? "",
            Subject = context.GetUser()?.Subject ?? "",
        });
    }
}
