/**
 * The block in the editor: three fields in the sidebar and a server-rendered preview, so what the
 * author sees is what visitors get. Saved as attributes only (`save` returns null): the page HTML
 * is always rendered by render.php, never stored.
 */
( function ( wp ) {
	const { registerBlockType } = wp.blocks;
	const { createElement: el, Fragment } = wp.element;
	const { InspectorControls, useBlockProps } = wp.blockEditor;
	const { PanelBody, TextControl, SelectControl } = wp.components;
	const { __ } = wp.i18n;
	const ServerSideRender = wp.serverSideRender;

	registerBlockType( 'mesh-pay/button', {
		edit( { attributes, setAttributes } ) {
			return el(
				Fragment,
				null,
				el(
					InspectorControls,
					null,
					el(
						PanelBody,
						{ title: __( 'Payment', 'mesh-pay' ) },
						el( TextControl, {
							label: __( 'Order id', 'mesh-pay' ),
							help: __( 'Your order’s id (letters, digits, - and _). Your kit decides the amount.', 'mesh-pay' ),
							value: attributes.orderId,
							maxLength: 64,
							onChange: ( orderId ) => setAttributes( { orderId } ),
						} ),
						el( TextControl, {
							label: __( 'Label', 'mesh-pay' ),
							value: attributes.label,
							onChange: ( label ) => setAttributes( { label } ),
						} ),
						el( SelectControl, {
							label: __( 'Theme', 'mesh-pay' ),
							value: attributes.theme,
							options: [
								{ label: __( 'Page default', 'mesh-pay' ), value: '' },
								{ label: __( 'Light', 'mesh-pay' ), value: 'light' },
								{ label: __( 'Dark', 'mesh-pay' ), value: 'dark' },
								{ label: __( 'Follow the system', 'mesh-pay' ), value: 'system' },
							],
							onChange: ( theme ) => setAttributes( { theme } ),
						} )
					)
				),
				el( 'div', useBlockProps(), el( ServerSideRender, { block: 'mesh-pay/button', attributes } ) )
			);
		},
		save() {
			return null;
		},
	} );
} )( window.wp );
