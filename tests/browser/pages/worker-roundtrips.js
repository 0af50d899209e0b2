// Test instrument, loaded before PyScript: counts the synchronous requests a PyScript worker makes to this
// page. Each access the worker makes to `window` (a property read or write, a call) arrives as one message
// on a MessagePort, carrying the Int32Array the worker then waits on (Atomics) until the page answers: one
// round trip. Other messages (asynchronous ones, other ports' traffic) are not counted.
window.workerRoundTrips = 0;
const addListener = MessagePort.prototype.addEventListener;
MessagePort.prototype.addEventListener = function (type, listener, options) {
  if (type !== "message") return addListener.call(this, type, listener, options);
  const counted = (event) => {
    if (Array.isArray(event.data) && event.data[0] instanceof Int32Array) window.workerRoundTrips += 1;
    return listener.call(this, event);
  };
  return addListener.call(this, type, counted, options);
};
