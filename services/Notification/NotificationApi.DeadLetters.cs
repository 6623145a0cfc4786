using Mesh.Notification.Delivery;
using Mesh.Notification.V1;


namespace Mesh.Notification;

public sealed partial class NotificationApi
{
    public override async Task<ListDeadLettersResponse> ListDeadLetters(ListDeadLettersRequest request, ServerCallContext context)
    {
        NotificationCaller.RequireStaff(context);
        var size = PageSize(request.PageSize);
        Guid? after = null;
        if (request.PageToken.Length > 0)
        {
            if (!Guid.TryParse(request.PageToken, out var last)) new FieldViolations().Add("page_token", "is not a token this listing returned").ThrowIfAny();
            after = last;
        }
        var page = await deadLetters.ListAsync(after, size + 1, context.CancellationToken);
        var response = new ListDeadLettersResponse();
        response.Deliveries.AddRange(page.Take(size).Select(d => d.ToProto()));
        if (page.Count > size) response.NextPageToken = page[size - 1].Id.ToString();
        return response;
    }

    public override async Task<V1.Delivery> ReplayDeadLetter(ReplayDeadLetterRequest request, ServerCallContext context)
    {
        NotificationCaller.RequireStaff(context);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var (outcome, row) = await deadLetters.ReplayAsync(id, clock.GetUtcNow(), context.CancellationToken);
        return outcome switch
        {
            DeadLetterStore.ReplayOutcome.Replayed => row!.ToProto(),
            DeadLetterStore.ReplayOutcome.NotFound => throw new RpcException(new Status(StatusCode.NotFound, $"No delivery {id}.")),
            _ => throw NotDead(id, row!.State),
        };
    }

    private static RpcException NotDead(Guid id, string state)
    {
        var info = new Google.Rpc.ErrorInfo { Reason = "NOT_DEAD", Domain = "notification.mesh" };
        info.Metadata["state"] = state;
        return new Google.Rpc.Status { Code = (int)Google.Rpc.Code.FailedPrecondition, Message = $"Delivery {id} is {state}, not dead: there is nothing to replay." }
            .WithDetail(info).ToRpcException();
    }
}
