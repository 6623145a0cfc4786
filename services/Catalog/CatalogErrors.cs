namespace Mesh.Catalog;

/// <summary>Business refusals of the catalog: FAILED_PRECONDITION with a google.rpc.ErrorInfo a caller can branch on.</summary>
public static class CatalogErrors
{
    public const string Domain = "catalog.mesh";

    public static RpcException EventHasScheduledShows(Guid eventId) =>
        Error("EVENT_HAS_SCHEDULED_SHOWS", "The event has scheduled shows still to come; cancel them first.", ("event_id", eventId.ToString()));

    public static RpcException EventHasShows(Guid eventId) =>
        Error("EVENT_HAS_SHOWS", "Shows of the event are on record (past or cancelled); the event is kept for them.", ("event_id", eventId.ToString()));

    public static RpcException ShowsWouldOverlap(string what) =>
        Error("SHOWS_OVERLAP", $"{what} would overlap another show on the same screen.");

    public static RpcException ShowNotScheduled(Guid showId) =>
        Error("SHOW_NOT_SCHEDULED", "Only a scheduled show can be changed; this one is cancelled.", ("show_id", showId.ToString()));

    public static RpcException ProductReserved(Guid productId) =>
        Error("PRODUCT_RESERVED", "The product has reservations on record; deactivate it instead of deleting it.", ("product_id", productId.ToString()));

    public static RpcException OutOfStock(Guid productId) =>
        Error("OUT_OF_STOCK", $"Not enough stock of product {productId}.", ("product_id", productId.ToString()));

    public static RpcException ReservationReleased(Guid reservationId) =>
        Error("RESERVATION_RELEASED", "This reservation id was released already; reserve under a new id.", ("reservation_id", reservationId.ToString()));

    public static RpcException ReservationDiffers(Guid reservationId) =>
        Error("RESERVATION_ID_REUSED", "This reservation id was used for other lines; a retry must repeat the same lines.", ("reservation_id", reservationId.ToString()));

    private static RpcException Error(string reason, string message, params (string Key, string Value)[] metadata)
    {
        // ErrorInfo field 1 is "type" in this CommonProtos version ("reason" in newer ones; same wire field).
        var info = new Google.Rpc.ErrorInfo { Reason = reason, Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return new Google.Rpc.Status { Code = (int)Google.Rpc.Code.FailedPrecondition, Message = message }.WithDetail(info).ToRpcException();
    }
}
