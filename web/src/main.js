document.getElementById('app').textContent = 'aelab';
